"""System tests: the simulator and a real Home Assistant, each in its own process."""
