"""The application: wiring only. It reads settings, assembles the core (`bot/`) with its storage (`memory/`,
`state/`) and starts the adapters; nothing below it imports it."""
