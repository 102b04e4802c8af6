import Dispatch
import Foundation

// What the two-thread pipelines (scoring, training) use to hand work from the thread that decodes, detects and
// crops to the thread that runs the network.

/// A blocking FIFO between threads, bounded by `capacity`. `cancel()` wakes every waiter; from then on `send`
/// drops its item and returns false, and `receive` returns nil.
final class BoundedChannel<Item>: @unchecked Sendable {
    let capacity: Int
    private let condition = NSCondition()
    private var items: [Item?] = []   // taken items are set to nil at once, so the channel keeps nothing alive
    private var head = 0
    private var cancelled = false

    init(capacity: Int) {
        precondition(capacity >= 1)
        self.capacity = capacity
    }

    /// Blocks while the channel is full.
    @discardableResult
    func send(_ item: Item) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while items.count - head >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Blocks while the channel is empty.
    func receive() -> Item? {
        condition.lock(); defer { condition.unlock() }
        while items.count == head && !cancelled { condition.wait() }
        return cancelled ? nil : takeLocked()
    }

    /// Like `receive()`, but wakes every `interval` seconds to ask `giveUp`; returns nil as soon as it says true
    /// (the channel is left as it is) or the channel is cancelled. Lets a consumer that waits on a slow producer
    /// still answer Ctrl-C promptly.
    func receive(checkingEvery interval: TimeInterval = 0.1, giveUp: () -> Bool) -> Item? {
        condition.lock(); defer { condition.unlock() }
        while items.count == head && !cancelled {
            if giveUp() { return nil }
            _ = condition.wait(until: Date().addingTimeInterval(interval))
        }
        return cancelled ? nil : takeLocked()
    }

    /// Takes the oldest item (the lock is held and the channel is not empty) and wakes a blocked sender.
    private func takeLocked() -> Item? {
        let item = items[head]
        items[head] = nil
        head += 1
        if head == items.count { items.removeAll(keepingCapacity: true); head = 0 }
        condition.broadcast()
        return item
    }

    func cancel() {
        condition.lock(); cancelled = true; condition.broadcast(); condition.unlock()
    }

    var isCancelled: Bool { condition.lock(); defer { condition.unlock() }; return cancelled }
}

/// Thrown on a producer thread once the consumer has cancelled the hand-off: the producer just stops.
struct HandoffCancelled: Error {}

/// A value handed to another thread that is its only user until the hand-off ends (a reader, a detector, a model).
struct Handed<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Runs `body` on a thread of its own (8 MB stack, like the main thread's); `join()` waits for it to return.
final class BackgroundThread: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () -> Void) {
        let done = finished
        let thread = Thread { body(); done.signal() }
        thread.stackSize = 8 << 20
        thread.start()
    }

    func join() { finished.wait() }
}
