"""ePS2 backend: domain, services, storage and AWS adapters packaged with the Chalice app."""
