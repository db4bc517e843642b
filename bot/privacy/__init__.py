"""Privacy by default: what is masked before it is kept, how long things are kept, erasure."""
