"""The domain: statuses, priorities, commands, events and the state machine. Pure, no I/O."""
