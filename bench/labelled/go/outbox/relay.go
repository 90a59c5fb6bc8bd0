package outbox

import (
	"context"
	"log"
	"os"
	"time"
)

type Publisher interface {
	Publish(ctx context.Context, topic string, payload []byte) error
}

type Relay struct {
	store *Store
	pub   Publisher
}

func (r *Relay) Run(ctx context.Context) {
	for { // expect: polling-fixed-interval, magic-interval
		select {
		case <-ctx.Done():
			return
		default:
		}
		msgs, err := r.store.Pending(ctx)
		if err != nil {
			log.Printf("pending: %v", err)
		}
		for _, m := range msgs { // expect: none
			if err := r.pub.Publish(ctx, m.Topic, m.Payload); err != nil {
				log.Printf("publish %d: %v", m.ID, err)
				continue
			}
			if err := r.store.MarkSent(ctx, m.ID); err != nil {
				log.Printf("mark %d: %v", m.ID, err)
			}
		}
		time.Sleep(5 * time.Second)
	}
}

func (r *Relay) Topics(ctx context.Context, ids []int64) []string {
	var topics []string
	for _, id := range ids { // expect: query-in-loop
		t, err := r.store.Topic(ctx, id)
		if err != nil {
			continue
		}
		topics = append(topics, t)
	}
	return topics
}

func (r *Relay) MarkAll(ctx context.Context, ids []int64) {
	for _, id := range ids { // expect: write-per-row
		if err := r.store.MarkSent(ctx, id); err != nil {
			log.Printf("mark %d: %v", id, err)
		}
	}
}

func DumpFiles(paths []string) {
	for _, p := range paths { // expect: defer-in-loop
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		defer f.Close()
		log.Printf("opened %s", f.Name())
	}
}

func CountTopics(msgs []Message) map[string]int {
	counts := map[string]int{}
	for _, m := range msgs { // expect: none
		counts[m.Topic]++
	}
	return counts
}
