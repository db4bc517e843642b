"""Channels: one package per channel (`telegram/`, `twilio/` for SMS and WhatsApp, `console/`
for `relais chat`), each owning its webhooks, the parsing of what arrives, the rendering of
replies and the sending of what goes out later. `base.py` is what a package registers,
`registry.py` finds the registered packages."""
