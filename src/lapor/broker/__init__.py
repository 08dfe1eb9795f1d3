"""The broker: Redis Streams carrying commands to the workers and events back."""
