"""Channels: how abstract replies look and travel on SMS, Telegram, WhatsApp and the console."""
