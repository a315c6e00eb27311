"""Real adapters for the ports: SNS, IoT data plane, MQTT, Ed25519 signing, staff directories."""
