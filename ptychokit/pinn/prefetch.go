package pinn

import (
	"time"
)

// ahead is the prefetch of a pass (feed.go): the next batch is made by a
// goroutine while the device trains on the current one. The items come in
// the producer's order, so a run is the same as without it.

// ahead runs produce one item ahead of the consumer, from the first next()
// after a reset until produce reports an error (io.EOF ends a pass).
type ahead[T any] struct {
	produce   func() (T, error)
	discard   func(T)
	out       chan aheadItem[T]
	stop      chan struct{}
	done      chan struct{} // closed when the producer has returned
	ended     error         // the error that ended the pass (io.EOF), repeated until a reset
	waitClock               // how long next() has waited for the producer
}

type aheadItem[T any] struct {
	v   T
	err error
}

func (a *ahead[T]) next() (T, error) {
	if a.ended != nil {
		var zero T
		return zero, a.ended
	}
	if a.out == nil {
		a.out, a.stop, a.done = make(chan aheadItem[T], 1), make(chan struct{}), make(chan struct{})
		go a.run(a.out, a.stop, a.done)
	}
	start := time.Now()
	it := <-a.out
	a.clock(start)
	a.ended = it.err
	return it.v, it.err
}

func (a *ahead[T]) run(out chan aheadItem[T], stop, done chan struct{}) {
	defer close(done)
	for {
		v, err := a.produce()
		select {
		case <-stop:
			if err == nil {
				a.discard(v)
			}
			return
		default:
		}
		select {
		case out <- aheadItem[T]{v, err}:
		case <-stop:
			if err == nil {
				a.discard(v)
			}
			return
		}
		if err != nil {
			return
		}
	}
}

// reset stops the producer and waits for it to return (discarding what it
// made), so that the caller may reset the source and the next next() starts
// afresh.
func (a *ahead[T]) reset() {
	a.ended = nil
	if a.out == nil {
		return
	}
	close(a.stop)
	<-a.done
	select {
	case it := <-a.out:
		if it.err == nil {
			a.discard(it.v)
		}
	default:
	}
	a.out, a.stop, a.done, a.ended = nil, nil, nil, nil
}

// waitClock adds up the time a pass spends getting its batches.
type waitClock struct{ waited time.Duration }

func (c *waitClock) clock(start time.Time)    { c.waited += time.Since(start) }
func (c *waitClock) inputWait() time.Duration { return c.waited }
