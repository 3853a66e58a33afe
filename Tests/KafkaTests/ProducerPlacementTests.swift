import Foundation
import Kafka
import Logging
import Testing

/// The producer's own send limit and its batched partitioning, against the embedded broker.
@Suite(.timeLimit(.minutes(1))) struct ProducerPlacementTests {
    let logger = Logger(label: "producer-placement-tests")

    /// A broker that answers slower than a send's limit: the send fails with `timedOut` long before the
    /// broker answers (the poll thread checks every 20 ms; the bound leaves room for a loaded test run, whose
    /// busy cooperative pool can be slow to resume the sender), and a send without a limit still lands once
    /// the broker recovers.
    @Test func aSendPastItsLimitFailsWithTimedOutWhileOthersStillLand() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("slow", partitions: 1)
        let producer = try KafkaProducer(configuration: .init(client: KafkaClientConfiguration(bootstrapServers: cluster.bootstrapServers)), logger: logger)
        try await producer.whileRunning {
            try await producer.send(.init(topic: "slow", key: nil, value: Data("warm".utf8)))
            cluster.setBrokerRoundTrip(1, milliseconds: 8_000)
            let clock = ContinuousClock()
            let start = clock.now
            await #expect {
                try await producer.send(.init(topic: "slow", key: nil, value: Data("late".utf8)), waitingAtMost: .milliseconds(200))
            } throws: { error in
                (error as? KafkaError)?.code == .timedOut
            }
            let waited = clock.now - start
            print("ProducerPlacementTests: a send limited to 200 ms gave up after \(waited)")
            #expect(waited >= .milliseconds(200) && waited < .milliseconds(6_000), "gave up after \(waited)")
            // The broker recovers: the send without a limit waits out the slow request ahead of it and lands.
            // (Left at 8 s, each request of a loaded run's reconnects and retries could outlast the delivery
            // timeout, and this send would fail for a reason that is not the one under test.)
            cluster.setBrokerRoundTrip(1, milliseconds: 0)
            let acknowledged = try await producer.send(.init(topic: "slow", key: nil, value: Data("patient".utf8)))
            #expect(acknowledged.offset >= 1)
        }
    }

    /// Records sent together with `.batched` share partitions (one per clock tick) and keep their keys;
    /// records placed by key land where the key hashes, every time.
    @Test func batchedRecordsShareAPartitionAndKeepTheirKeys() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("spread", partitions: 8)
        let client = KafkaClientConfiguration(bootstrapServers: cluster.bootstrapServers)
        var configuration = KafkaProducerConfiguration(client: client)
        configuration.lingerMilliseconds = 20
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let keys = (0..<64).map { "question-\($0)" }
        let (batched, byKey) = try await producer.whileRunning {
            try await producer.send(.init(topic: "spread", key: nil, value: Data("warm".utf8)))
            let batched = try await withThrowingTaskGroup(of: KafkaAcknowledgement.self) { group in
                for key in keys {
                    group.addTask { try await producer.send(.init(topic: "spread", key: Data(key.utf8), value: Data(key.utf8), partitioning: .batched)) }
                }
                return try await group.reduce(into: [KafkaAcknowledgement]()) { $0.append($1) }
            }
            var byKey: [Int32] = []
            for _ in 0..<2 {
                byKey.append(try await producer.send(.init(topic: "spread", key: Data("same-key".utf8), value: Data("x".utf8))).partition)
            }
            return (batched, byKey)
        }
        // 64 records queued within a few milliseconds: by key they would cover nearly all 8 partitions.
        #expect(Set(batched.map(\.partition)).count <= 3, "partitions: \(batched.map(\.partition))")
        #expect(Set(byKey).count == 1)

        let consumer = try KafkaConsumer(configuration: .init(client: client, groupID: "spread-check"), topics: ["spread"], logger: logger)
        let running = Task { try await consumer.run() }
        var seen: [String: String] = [:]
        for await message in consumer.messages {
            if let key = message.key {
                seen[String(decoding: key, as: UTF8.self)] = String(decoding: message.value, as: UTF8.self)
            }
            consumer.markProcessed(message)
            if keys.allSatisfy({ seen[$0] != nil }) { break }
        }
        #expect(keys.allSatisfy { seen[$0] == $0 })
        await consumer.shutdown()
        try await running.value
    }
}
