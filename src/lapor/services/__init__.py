"""What the app does, once, for both surfaces: reports accepted and acted on, looked up and shown."""
