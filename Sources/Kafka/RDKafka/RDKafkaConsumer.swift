import CKafka
import Foundation
import Logging
import Synchronization

/// Owns a librdkafka group consumer: the handle, its rebalance callback and the copy of each record into
/// Swift. The only consumer code that touches C; every method either returns at once or blocks for a
/// bounded poll, close or query, and `KafkaConsumer` decides which thread calls what.
final class RDKafkaConsumer: Sendable {
    private let handle: RDKafkaHandle
    let shared: ConsumerShared

    init(configuration: KafkaConsumerConfiguration, continuation: AsyncStream<KafkaConsumerMessage>.Continuation, logger: Logger) throws {
        let shared = ConsumerShared(
            maxInFlight: configuration.maxInFlight, startOnAssign: configuration.startOnAssign, continuation: continuation, logger: logger,
            oauthBearerTokenProvider: configuration.client.oauthBearerTokenProvider
        )
        let conf = try RDKafkaConfig.make(configuration.properties)
        RDKafkaCallbackTarget.installOAuthBearer(on: conf, provider: configuration.client.oauthBearerTokenProvider)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(shared).toOpaque())
        rd_kafka_conf_set_rebalance_cb(conf) { rk, error, partitions, opaque in
            guard let rk, let opaque else { return }
            Unmanaged<ConsumerShared>.fromOpaque(opaque).takeUnretainedValue()
                .rebalance(rk: rk, error: error, partitions: partitions)
        }
        let handle = try RDKafkaHandle(kind: .consumer, conf: conf)
        RDKafkaCallbackTarget.enableBackgroundSASL(handle, provider: configuration.client.oauthBearerTokenProvider)
        rd_kafka_poll_set_consumer(handle.pointer)
        self.handle = handle
        self.shared = shared
    }

    func subscribe(_ topics: [String]) throws {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics {
            rd_kafka_topic_partition_list_add(list, topic, ragline_partition_unassigned())
        }
        let result = rd_kafka_subscribe(handle.pointer, list)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: .consume, rdError: result, context: "subscribe to \(topics)")
        }
    }

    /// One iteration of the poll thread (blocks up to 100 ms).
    func pollOnce() {
        shared.pollOnce(handle.pointer)
    }

    /// Frees the record's slot and stores its partition's offset when everything before it is processed.
    func markProcessed(_ message: KafkaConsumerMessage) {
        guard let next = shared.finished(message) else { return }
        let list = rd_kafka_topic_partition_list_new(1)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let element = rd_kafka_topic_partition_list_add(list, message.topic, message.partition)
        element?.pointee.offset = next
        let result = rd_kafka_offsets_store(handle.pointer, list)
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            // Typically the partition was revoked meanwhile: its new owner re-reads the record.
            shared.logger.debug(
                "offset not stored",
                metadata: ["kafka.partition": "\(message.topicPartition)", "kafka.error": "\(String(cString: rd_kafka_err2str(result)))"]
            )
        }
    }

    /// Commits stored offsets and leaves the group (blocks; the poll thread must be stopped first). The
    /// commit comes first and synchronously, before leaving starts a rebalance in which a commit would
    /// fail: after a clean stop the group re-reads nothing. A commit refused because another member's
    /// rebalance is under way is retried for up to two seconds.
    func close(committing: Bool) {
        if committing {
            for _ in 0..<8 {
                let result = rd_kafka_commit(handle.pointer, nil, 0)
                guard result == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS || result == RD_KAFKA_RESP_ERR__TRANSPORT || result == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT else {
                    if result != RD_KAFKA_RESP_ERR_NO_ERROR && result != RD_KAFKA_RESP_ERR__NO_OFFSET {
                        shared.logger.warning("offsets not committed at close", metadata: ["kafka.error": "\(String(cString: rd_kafka_err2str(result)))"])
                    }
                    break
                }
                usleep(250_000)
            }
        }
        _ = rd_kafka_consumer_close(handle.pointer)
    }

    /// Whether a fetch response for `partition` has arrived since it was assigned: librdkafka caches the
    /// watermarks each fetch response carries (`rd_kafka_get_watermark_offsets` reads that cache and never
    /// blocks), and they stay unknown until the partition's start offset is resolved and fetched once.
    func hasFetched(_ partition: KafkaTopicPartition) -> Bool {
        var low: Int64 = -1
        var high: Int64 = -1
        let result = rd_kafka_get_watermark_offsets(handle.pointer, partition.topic, partition.partition, &low, &high)
        return result == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0
    }

    /// The high watermark of each partition, asked of its leader (blocks up to `milliseconds` each).
    func highWatermarks(_ partitions: Set<KafkaTopicPartition>, milliseconds: Int32) throws -> [KafkaTopicPartition: Int64] {
        var watermarks: [KafkaTopicPartition: Int64] = [:]
        for partition in partitions {
            var low: Int64 = 0
            var high: Int64 = 0
            let result = rd_kafka_query_watermark_offsets(handle.pointer, partition.topic, partition.partition, &low, &high, milliseconds)
            guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(code: .consume, rdError: result, context: "high watermark of \(partition)")
            }
            watermarks[partition] = high
        }
        return watermarks
    }
}

/// State shared by the poll thread, librdkafka's rebalance callback and `markProcessed`: assigned
/// partitions, the offset tracker, free slots and the tasks waiting for an assignment.
///
/// `@unchecked Sendable` as its superclass is; its own mutable state is behind a `Mutex`, the slot gate
/// and the stream continuation are thread-safe.
final class ConsumerShared: RDKafkaCallbackTarget, @unchecked Sendable {
    let logger: Logger
    private let slots: SlotGate
    private let continuation: AsyncStream<KafkaConsumerMessage>.Continuation
    private struct State {
        var tracker = OffsetTracker()
        var assigned: Set<KafkaTopicPartition> = []
        /// For a listener (`startOnAssign`): the next offset of each partition it has read, where it resumes
        /// when a rebalance gives the partition back, instead of starting over.
        var resumeAt: [KafkaTopicPartition: Int64] = [:]
        /// Whether the group has assigned this member its partitions at least once (possibly none).
        var joined = false
        var stopping = false
        /// Tasks waiting for a partition of a topic, woken by the rebalance callback.
        /// Keyed by waiter; a nil topic waits for the first assignment of any partitions, or of none.
        var assignmentWaiters: [UInt64: (topic: String?, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiter: UInt64 = 0
    }
    private let state = Mutex(State())

    private let startOnAssign: KafkaConsumerConfiguration.StartPosition?

    init(maxInFlight: Int, startOnAssign: KafkaConsumerConfiguration.StartPosition?, continuation: AsyncStream<KafkaConsumerMessage>.Continuation, logger: Logger, oauthBearerTokenProvider: KafkaOAuthBearerTokenProvider?) {
        self.slots = SlotGate(slots: maxInFlight)
        self.startOnAssign = startOnAssign
        self.continuation = continuation
        self.logger = logger
        super.init(oauthBearerTokenProvider: oauthBearerTokenProvider)
    }

    var assigned: Set<KafkaTopicPartition> { state.withLock { $0.assigned } }
    var isStopping: Bool { state.withLock { $0.stopping } }

    /// A listener's next offset of `partition`: past what it read or skipped, or where it started.
    func position(of partition: KafkaTopicPartition) -> Int64? {
        state.withLock { $0.resumeAt[partition] }
    }

    func stopping() {
        let waiters = state.withLock { state in
            state.stopping = true
            defer { state.assignmentWaiters.removeAll() }
            return Array(state.assignmentWaiters.values)
        }
        for waiter in waiters { waiter.continuation.resume() }
    }

    /// Returns once a partition of `topic` is assigned, or (nil) once the group has given this member its
    /// first assignment, even an empty one; early on cancellation or shutdown.
    func waitForAssignment(of topic: String?) async {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.stopping || Task.isCancelled || (topic == nil ? state.joined : state.assigned.contains(where: { $0.topic == topic })) { return true }
                    state.assignmentWaiters[id] = (topic, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.assignmentWaiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }

    func finishStream() {
        continuation.finish()
    }

    /// One iteration of the poll thread: wait for a free slot, then poll for one record.
    func pollOnce(_ rk: OpaquePointer) {
        guard slots.acquire(timeout: 0.1) else {
            // Every slot is busy. Heartbeats run on librdkafka's own threads; rebalances wait until a
            // slot frees, which max.poll.interval.ms bounds.
            return
        }
        if state.withLock({ $0.stopping }) {
            slots.release()
            return
        }
        guard let raw = rd_kafka_consumer_poll(rk, 100) else {
            slots.release()
            return
        }
        defer { rd_kafka_message_destroy(raw) }
        let message = raw.pointee
        if message.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            slots.release()
            if message.err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                logger.warning("Kafka consumer error", metadata: ["kafka.error": "\(String(cString: rd_kafka_err2str(message.err)))"])
            }
            return
        }
        let record = Self.copy(raw)
        if case .recent(let window) = startOnAssign, let stamped = record.timestamp,
           stamped < Date().addingTimeInterval(-(Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18)) {
            // Older than the window (read from a partition's start): skipped, but the position moves on.
            state.withLock { $0.resumeAt[record.topicPartition] = record.offset + 1 }
            slots.release()
            return
        }
        state.withLock { state in
            state.tracker.started(record.topicPartition, offset: record.offset)
            if startOnAssign != nil { state.resumeAt[record.topicPartition] = record.offset + 1 }
        }
        continuation.yield(record)
    }

    func finished(_ message: KafkaConsumerMessage) -> Int64? {
        defer { slots.release() }
        return state.withLock { $0.tracker.finished(message.topicPartition, offset: message.offset) }
    }

    /// librdkafka's rebalance callback, on the poll thread (eager protocol).
    func rebalance(rk: OpaquePointer, error: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let changed = Self.partitions(of: partitions)
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if let startOnAssign, let partitions {
                Self.fixStartOffsets(partitions, at: startOnAssign, rk: rk, logger: logger)
                // A partition this listener read before resumes where it left off; the others start where
                // fixed, which is their position until a record is read.
                state.withLock { state in
                    for index in 0..<Int(partitions.pointee.cnt) {
                        let element = partitions.pointee.elems[index]
                        let partition = KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition)
                        if let next = state.resumeAt[partition] {
                            partitions.pointee.elems[index].offset = next
                        } else if element.offset >= 0 {
                            state.resumeAt[partition] = element.offset
                        }
                    }
                }
            }
            let woken = state.withLock { state in
                state.assigned.formUnion(changed)
                let topics = Set(changed.map(\.topic))
                state.joined = true
                let ready = state.assignmentWaiters.filter { $0.value.topic.map(topics.contains) ?? true }
                for id in ready.keys { state.assignmentWaiters[id] = nil }
                return ready.values.map(\.continuation)
            }
            for continuation in woken { continuation.resume() }
            logger.info("partitions assigned", metadata: ["kafka.partitions": "\(changed.map(\.description).sorted())"])
            _ = rd_kafka_assign(rk, partitions)
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            // Commit what is stored before the partitions move, so their next owner repeats little.
            _ = rd_kafka_commit(rk, nil, 0)
            state.withLock { state in
                state.assigned.subtract(changed)
                state.tracker.revoke(changed)
            }
            logger.info("partitions revoked", metadata: ["kafka.partitions": "\(changed.map(\.description).sorted())"])
            _ = rd_kafka_assign(rk, nil)
        default:
            logger.error("rebalance error", metadata: ["kafka.error": "\(String(cString: rd_kafka_err2str(error)))"])
            state.withLock { state in
                state.assigned.removeAll()
                state.tracker.revokeAll()
            }
            _ = rd_kafka_assign(rk, nil)
        }
    }

    /// Sets each assigned partition's start offset now, rather than lazily at the first fetch: the high
    /// watermark for `.end`, the first offset stamped at or after the cut-off for `.recent` (the high
    /// watermark where nothing is that recent).
    private static func fixStartOffsets(_ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, at start: KafkaConsumerConfiguration.StartPosition, rk: OpaquePointer, logger: Logger) {
        let count = Int(partitions.pointee.cnt)
        var highs: [Int64] = []
        var lows: [Int64] = []
        for index in 0..<count {
            var low: Int64 = 0
            var high: Int64 = 0
            let element = partitions.pointee.elems + index
            let found = rd_kafka_query_watermark_offsets(rk, element.pointee.topic, element.pointee.partition, &low, &high, 5_000) == RD_KAFKA_RESP_ERR_NO_ERROR
            highs.append(found ? high : -1) // -1: RD_KAFKA_OFFSET_END
            lows.append(found ? low : -2) // -2: RD_KAFKA_OFFSET_BEGINNING
        }
        guard case .recent(let window) = start else {
            for index in 0..<count { partitions.pointee.elems[index].offset = highs[index] }
            return
        }
        // offsets_for_times takes the timestamp (ms) in each element's offset and answers with an offset.
        let cutOff = Int64((Date().timeIntervalSince1970 - Double(window.components.seconds) - Double(window.components.attoseconds) / 1e18) * 1000)
        guard let query = rd_kafka_topic_partition_list_copy(partitions) else { return }
        defer { rd_kafka_topic_partition_list_destroy(query) }
        for index in 0..<count { query.pointee.elems[index].offset = cutOff }
        let result = rd_kafka_offsets_for_times(rk, query, 5_000)
        // Where the broker cannot say (the embedded one answers -1 for every timestamp; a real one does for a
        // partition with nothing that recent), the partition is read from its start and `pollOnce` skips
        // what is older than the window.
        for index in 0..<count {
            let offset = query.pointee.elems[index].offset
            partitions.pointee.elems[index].offset = result == RD_KAFKA_RESP_ERR_NO_ERROR && offset >= 0 ? offset : lows[index]
        }
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("offsets for the recent window unknown; reading from the start, skipping older records", metadata: ["kafka.error": "\(String(cString: rd_kafka_err2str(result)))"])
        }
    }

    private static func partitions(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> [KafkaTopicPartition] {
        guard let list else { return [] }
        return (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition)
        }
    }

    private static func copy(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaConsumerMessage {
        let message = raw.pointee
        let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let key = message.key.map { Data(bytes: $0, count: message.key_len) }
        let value = message.payload.map { Data(bytes: $0, count: message.len) } ?? Data()

        var headers: [KafkaHeader] = []
        var headerList: OpaquePointer? = nil
        if rd_kafka_message_headers(raw, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
            var index = 0
            var name: UnsafePointer<CChar>? = nil
            var bytes: UnsafeRawPointer? = nil
            var size = 0
            while rd_kafka_header_get_all(headerList, index, &name, &bytes, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                if let name {
                    let value = bytes.map { Data(bytes: $0, count: size) } ?? Data()
                    headers.append(KafkaHeader(name: String(cString: name), value: value))
                }
                index += 1
            }
        }

        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let milliseconds = rd_kafka_message_timestamp(raw, &timestampType)
        let timestamp = timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : Date(timeIntervalSince1970: Double(milliseconds) / 1000)

        return KafkaConsumerMessage(
            topic: topic, partition: message.partition, offset: message.offset,
            key: key, value: value, headers: headers, timestamp: timestamp
        )
    }
}
