"""`relais chat`: a conversation in a terminal, shown through the channels' own renderers."""
