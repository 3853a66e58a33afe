import Synchronization

/// The question ids whose callbacks this gateway delivered (or gave up on), the most recent `capacity`
/// of them. Answers are keyed by question id, so every answer to a question, a recomputed one included,
/// lands on the same partition of `rag.answers` and so with the same gateway while it owns that partition:
/// it drops the repeats, and a stall that makes the group re-read from older offsets sends nothing twice.
final class DeliveredCallbacks: Sendable {
    private struct State {
        var ids: Set<String> = []
        var order: [String] = []
        var oldest = 0
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    func contains(_ id: String) -> Bool {
        state.withLock { $0.ids.contains(id) }
    }

    /// Remembers `id`, forgetting the oldest beyond the capacity.
    func insert(_ id: String) {
        state.withLock { state in
            guard state.ids.insert(id).inserted else { return }
            state.order.append(id)
            while state.ids.count > capacity {
                state.ids.remove(state.order[state.oldest])
                state.oldest += 1
            }
            if state.oldest > capacity {
                state.order.removeFirst(state.oldest)
                state.oldest = 0
            }
        }
    }
}
