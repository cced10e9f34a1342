"""The message model, the port adapters implement, actions and routing."""
