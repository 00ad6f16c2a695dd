"""Fault injection and hostile input against the simulator, through the integration."""
