"""HTTP edge helpers: strict JSON body parsing, error mapping and page rendering."""
