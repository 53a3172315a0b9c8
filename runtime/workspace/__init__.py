"""Where staff work inside an app: its home page, later its forms and views."""
