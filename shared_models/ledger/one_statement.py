"""The ledger write on PostgreSQL as one statement: transactions, postings and wallet balances.

A sale posts one transaction and settlement a bus's worth; either way the write is a single
round trip of fixed SQL (arrays in, so the text never changes and psycopg prepares it once),
instead of an insert of transactions, an insert of postings and an update of balances, each
rendered anew for its number of rows:

- every entry takes its id from the sequence first, beside its position, so postings find
  their transaction by position (a transaction without an external key has nothing else to
  be found by);
- the transactions go in with ON CONFLICT DO NOTHING: an external key already posted (the
  UNIQUE constraint decides, so a concurrent poster of the same key is seen too) inserts no
  row, and then none of its postings;
- each wallet moves by the sum of the postings actually inserted, and says its new balance.

The caller checks the balances (`posting._write`) with the entries that were written, as on
SQLite, and the values it computes must be the ones the database wrote: the wallets are locked
and were read under the lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared_models.ledger.rules import Leg
from shared_models.models.ledger import TransactionKind

_WRITE = text("""
WITH n AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('ledger_transactions', 'id')) AS id, e.*
    FROM unnest(CAST(:e_ord AS integer[]), CAST(:e_site AS integer[]), CAST(:e_kind AS varchar[]),
                CAST(:e_reason AS varchar[]), CAST(:e_operator AS integer[]),
                CAST(:e_key AS varchar[]), CAST(:e_corrects AS integer[]),
                CAST(:e_at AS timestamptz[]))
         AS e(ord, site_id, kind, reason, operator_id, external_key, corrects_id, created_at)
), t AS (
    INSERT INTO ledger_transactions
        (id, site_id, kind, reason, operator_id, external_key, corrects_id, created_at)
    SELECT id, site_id, kind, reason, operator_id, external_key, corrects_id, created_at FROM n
    ON CONFLICT DO NOTHING
    RETURNING id
), p AS (
    INSERT INTO ledger_postings (transaction_id, account_id, amount)
    SELECT n.id, l.account_id, l.amount
    FROM unnest(CAST(:l_ord AS integer[]), CAST(:l_account AS integer[]),
                CAST(:l_amount AS numeric[])) WITH ORDINALITY AS l(ord, account_id, amount, seq)
    JOIN n ON n.ord = l.ord JOIN t ON t.id = n.id
    ORDER BY l.seq
    RETURNING account_id, amount
), w AS (
    UPDATE ledger_accounts AS a SET balance = a.balance + s.delta
    FROM (SELECT account_id, sum(amount) AS delta FROM p
          WHERE account_id = ANY(CAST(:wallets AS integer[])) GROUP BY account_id) AS s
    WHERE a.id = s.account_id
    RETURNING a.id, a.balance
)
SELECT n.ord, t.id, NULL::integer, NULL::numeric FROM t JOIN n ON n.id = t.id
UNION ALL
SELECT NULL, NULL, w.id, w.balance FROM w
""")


def write(db: Session, rows: Sequence[dict], legs: Sequence[Sequence[Leg]],
          wallet_ids: Sequence[int]) -> tuple[list[int | None], dict[int, Decimal]]:
    """Write the transactions (`rows`, the values of each) with their legs, and move the
    wallets among `wallet_ids`. Returns each row's new id (None where its external key was
    already posted) and the wallets' new balances as the database wrote them."""
    params = {
        "e_ord": list(range(len(rows))),
        "e_site": [row["site_id"] for row in rows],
        "e_kind": [TransactionKind(row["kind"]).value for row in rows],
        "e_reason": [row["reason"] for row in rows],
        "e_operator": [row["operator_id"] for row in rows],
        "e_key": [row["external_key"] for row in rows],
        "e_corrects": [row["corrects_id"] for row in rows],
        "e_at": [row["created_at"] for row in rows],
        "l_ord": [n for n, entry_legs in enumerate(legs) for _leg in entry_legs],
        "l_account": [leg.account_id for entry_legs in legs for leg in entry_legs],
        "l_amount": [leg.amount for entry_legs in legs for leg in entry_legs],
        "wallets": list(wallet_ids),
    }
    ids: list[int | None] = [None] * len(rows)
    balances: dict[int, Decimal] = {}
    for ord_, txn_id, wallet_id, balance in db.execute(_WRITE, params):
        if txn_id is not None:
            ids[ord_] = txn_id
        else:
            balances[wallet_id] = balance
    return ids, balances
