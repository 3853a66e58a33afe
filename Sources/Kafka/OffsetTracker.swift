/// Decides which offset may be stored for each partition when records finish out of order.
///
/// A record's offset becomes committable only when it and every earlier record handed out from the same
/// partition have been processed, so that a crash never skips an unfinished record (DESIGN 5).
public struct OffsetTracker: Sendable {
    private struct PartitionState: Sendable {
        var inFlight: Set<Int64> = []
        var highestStarted: Int64 = -1
        var lastStored: Int64 = -1
    }

    private var partitions: [KafkaTopicPartition: PartitionState] = [:]

    public init() {}

    /// Records that `offset` was handed out for processing.
    public mutating func started(_ partition: KafkaTopicPartition, offset: Int64) {
        // Storing the first offset handed out would record no progress, so it counts as already stored.
        var state = partitions[partition, default: PartitionState(lastStored: offset)]
        state.inFlight.insert(offset)
        state.highestStarted = max(state.highestStarted, offset)
        partitions[partition] = state
    }

    /// Records that `offset` finished. Returns the offset to store (next offset to read), if it advanced.
    public mutating func finished(_ partition: KafkaTopicPartition, offset: Int64) -> Int64? {
        guard var state = partitions[partition], state.inFlight.remove(offset) != nil else {
            // Unknown: the partition was revoked since the record was handed out.
            return nil
        }
        let next = state.inFlight.min() ?? (state.highestStarted + 1)
        defer { partitions[partition] = state }
        if next > state.lastStored {
            state.lastStored = next
            return next
        }
        return nil
    }

    /// Forgets partitions that were revoked; later completions for them store nothing.
    public mutating func revoke(_ revoked: some Sequence<KafkaTopicPartition>) {
        for partition in revoked {
            partitions[partition] = nil
        }
    }

    public mutating func revokeAll() {
        partitions.removeAll()
    }

    public func inFlightCount(_ partition: KafkaTopicPartition) -> Int {
        partitions[partition]?.inFlight.count ?? 0
    }
}
