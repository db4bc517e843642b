"""Anonymous counters for operators and funders: where residents drop out, what helped, who
was handed off. Kept apart from conversations (own tables), beyond their retention."""
