"""the search index's words, readable: integrations_fts_vocab

Revision ID: 0023_fts_vocabulary
Revises: 0022_changes_since
Create Date: 2026-11-30

SQLite only. An `fts5vocab` table over 0002's `integrations_fts` (one row per distinct word), so a
search can tell whether a word it matches as a prefix ("pay"*) is, in the whole index, only ever the
word itself. Then a patch of its kept ranking may match the word exactly: the same rows and the same
bm25 scores, without FTS5 gathering every word that begins with it, which is most of what a patch's
statement costs (app/services/catalog/search.py, `whole_words`; ranking.py, `_kept_or_patched`).
It stores nothing: it reads the index.
"""

from alembic import op

revision = "0023_fts_vocabulary"
down_revision = "0022_changes_since"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE integrations_fts_vocab USING fts5vocab(integrations_fts, row)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE integrations_fts_vocab")
