"""The command outbox run on the meters: each row sent, its result read, and proven by read-back."""
