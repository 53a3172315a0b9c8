"""The form block: a drafted and published definition of fields, layout and rules."""
