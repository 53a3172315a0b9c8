"""Design time: metadata documents, their JSON Schemas and the type registries.

The builder never imports from ``runtime``; the runtime imports the builder.
"""
