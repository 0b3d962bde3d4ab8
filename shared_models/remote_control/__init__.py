"""Remote control on behalf of people and rules: the command outbox, what each kind carries, and issuing
one command or a batch."""
