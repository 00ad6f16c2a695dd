"""What the tests and the benchmark share to run the integration: entries as the flow makes."""
