"""The local stack: moto server, Mosquitto, chalice local, the MQTT bridge and the simulated locker.

Development only; never packaged into the Lambda.
"""
