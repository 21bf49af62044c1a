"""Platform adapters: translate platform events to `IncomingMessage` and core replies back."""
