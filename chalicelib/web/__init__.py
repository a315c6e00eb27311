"""The HTTP edge: route decorators and the one error mapper (routing), JSON bodies described once (schema,
bodies) and the OpenAPI document derived from them, citizen pages and the staff console."""
