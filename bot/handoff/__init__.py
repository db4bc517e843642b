"""Hand-off to people: organisations and mediators, tickets, their relay and their summary."""
