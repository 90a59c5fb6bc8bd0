package outbox

import (
	"context"
	"database/sql"
)

type Message struct {
	ID      int64
	Topic   string
	Payload []byte
}

type Store struct {
	db *sql.DB
}

func (s *Store) Pending(ctx context.Context) ([]Message, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, topic, payload FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 100")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() { // expect: none
		var m Message
		if err := rows.Scan(&m.ID, &m.Topic, &m.Payload); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Store) MarkSent(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, "UPDATE outbox SET sent_at = now() WHERE id = $1", id)
	return err
}

func (s *Store) Topic(ctx context.Context, id int64) (string, error) {
	var topic string
	err := s.db.QueryRowContext(ctx, "SELECT topic FROM outbox WHERE id = $1", id).Scan(&topic)
	return topic, err
}
