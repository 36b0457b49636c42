// Channel workloads: P producers and C consumers on one channel, a ping-pong round trip, and a
// receive in a select with a timeout (the value first, or the timeout).
package main

import (
	"fmt"
	"sync"
	"time"
)

const channelItems = 20000
const pingPongRounds = 10000
const selectTimeouts = 200

// channelBenchmarks registers channel/PxC for every capacity, plus channel/ping_pong.
func channelBenchmarks() []benchmark {
	var bs []benchmark
	for _, pc := range []int{1, 2, 4} {
		for _, capacity := range []int{0, 1, 64, 1024} {
			p, c, capacity := pc, pc, capacity
			bs = append(bs, benchmark{
				group:    fmt.Sprintf("channel/%dx%d", p, c),
				value:    fmt.Sprint(capacity),
				elements: channelItems,
				threads:  p + c,
				run:      timeLoop(func() { producersConsumers(p, c, capacity, channelItems) }),
			})
		}
	}
	bs = append(bs, benchmark{
		group: "channel/ping_pong", value: "1", elements: pingPongRounds, threads: 2,
		run: timeLoop(func() { pingPong(pingPongRounds) }),
	})
	bs = append(bs, benchmark{
		group: "channel/select_timeout", value: "not_taken", elements: pingPongRounds, threads: 2,
		run: timeLoop(func() { timedPingPong(pingPongRounds) }),
	})
	bs = append(bs, benchmark{
		group: "channel/select_timeout", value: "taken", elements: selectTimeouts, threads: 1,
		run: timeLoop(func() { timeouts(selectTimeouts) }),
	})
	return bs
}

// timedPingPong is pingPong with every receive in a select with a timeout that never comes first.
func timedPingPong(rounds int) {
	ping := make(chan int, 1)
	pong := make(chan int, 1)
	go func() {
		for i := 0; i < rounds; i++ {
			select {
			case v := <-ping:
				pong <- v
			case <-time.After(10 * time.Second):
				panic("the ping comes first")
			}
		}
	}()
	for i := 0; i < rounds; i++ {
		ping <- i
		select {
		case v := <-pong:
			if v != i {
				panic(fmt.Sprintf("pong %d for ping %d", v, i))
			}
		case <-time.After(10 * time.Second):
			panic("the pong comes first")
		}
	}
}

// timeouts runs n selects on a channel that stays empty, each ending at a 20 µs timeout.
func timeouts(n int) {
	ch := make(chan int, 1)
	for i := 0; i < n; i++ {
		select {
		case <-ch:
			panic("nothing was sent")
		case <-time.After(20 * time.Microsecond):
		}
	}
}

// producersConsumers moves items ints through one channel and checks they all arrived.
func producersConsumers(producers, consumers, capacity, items int) {
	ch := make(chan int, capacity)
	var prodWG sync.WaitGroup
	prodWG.Add(producers)
	for p := 0; p < producers; p++ {
		go produce(ch, items/producers, &prodWG)
	}
	counts := make([]int, consumers)
	var consWG sync.WaitGroup
	consWG.Add(consumers)
	for c := 0; c < consumers; c++ {
		go consume(ch, &counts[c], &consWG)
	}
	go func() {
		prodWG.Wait()
		close(ch)
	}()
	consWG.Wait()
	checkCount(counts, items)
}

// produce sends n ints on ch.
func produce(ch chan<- int, n int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < n; i++ {
		ch <- i
	}
}

// consume counts everything received on ch until it is closed.
func consume(ch <-chan int, count *int, wg *sync.WaitGroup) {
	defer wg.Done()
	n := 0
	for range ch {
		n++
	}
	*count = n
}

// checkCount panics unless the consumers together received want items.
func checkCount(counts []int, want int) {
	total := 0
	for _, n := range counts {
		total += n
	}
	if total != want {
		panic(fmt.Sprintf("channel: received %d items, want %d", total, want))
	}
}

// pingPong sends rounds values one at a time through an echo goroutine.
func pingPong(rounds int) {
	ping := make(chan int, 1)
	pong := make(chan int, 1)
	go echo(ping, pong)
	for i := 0; i < rounds; i++ {
		ping <- i
		if v := <-pong; v != i {
			panic(fmt.Sprintf("ping_pong: got %d, want %d", v, i))
		}
	}
	close(ping)
	for range pong {
	}
}

// echo forwards every value from in to out, then closes out.
func echo(in <-chan int, out chan<- int) {
	defer close(out)
	for v := range in {
		out <- v
	}
}
