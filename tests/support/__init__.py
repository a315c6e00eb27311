"""Test helpers: an HTTP client for the API and a plain MQTT client standing in for a locker."""
