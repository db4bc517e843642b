"""The HTTP side of Relais: health now; webhooks and the mediator pages build on it."""
