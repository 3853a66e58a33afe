import Foundation
import Logging
import RaglineTestSupport
import Testing
@testable import Kafka

@Suite struct ClientStateMachineTests {
    @Test func runShutdownAndClose() {
        var machine = ClientStateMachine()
        #expect(machine.acceptsWork)
        #expect(machine.run() == .startPolling)
        #expect(machine.run() == .fail(reason: "run() was already called"))
        #expect(machine.shutdown() == .signalRunner)
        #expect(!machine.acceptsWork)
        #expect(machine.shutdown() == .waitForClose)
        machine.closed()
        #expect(machine.state == .closed)
        #expect(machine.run() == .fail(reason: "the client is shut down"))
        #expect(machine.shutdown() == .waitForClose)
    }

    @Test func aClientThatNeverRanClosesInShutdown() {
        var machine = ClientStateMachine()
        #expect(machine.shutdown() == .closeHere)
        #expect(machine.state == .closing)
        #expect(machine.run() == .fail(reason: "the client is shut down"))
    }
}

@Suite(.timeLimit(.minutes(1))) struct ClientLifecycleTests {
    let logger = Logger(label: "kafka-tests")

    /// A closed producer refuses at once with a typed error instead of waiting for a report that never comes.
    @Test func sendAfterShutdownFailsFast() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("closed", partitions: 1)
        let producer = try KafkaProducer(configuration: .init(client: .init(bootstrapServers: cluster.bootstrapServers)), logger: logger)
        try await producer.whileRunning {
            try await producer.send(.init(topic: "closed", key: nil, value: Data("before".utf8)))
        }
        let started = ContinuousClock.now
        await #expect {
            try await producer.send(.init(topic: "closed", key: nil, value: Data("after".utf8)))
        } throws: { ($0 as? KafkaError)?.code == .closed }
        #expect(ContinuousClock.now - started < .seconds(1))
        await #expect(throws: KafkaError.self) { try await producer.run() }
    }

    /// With a local queue of one record, a burst of sends waits its turn (an awaited back-off) and every
    /// record is acknowledged.
    @Test func aFullLocalQueueIsWaitedOut() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("full", partitions: 1)
        var client = KafkaClientConfiguration(bootstrapServers: cluster.bootstrapServers)
        client.additionalProperties = ["queue.buffering.max.messages": "1"]
        let producer = try KafkaProducer(configuration: .init(client: client), logger: logger)
        let offsets = try await producer.whileRunning {
            try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<50 {
                    group.addTask { try await producer.send(.init(topic: "full", key: nil, value: Data("\(index)".utf8))).offset }
                }
                return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
            }
        }
        #expect(offsets == Set(0..<50))
    }

    /// A consumer fetches nothing until `run()`, and `shutdown()` ends both `run()` and the stream.
    @Test func aConsumerFetchesOnlyWhileRunning() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("lazy", partitions: 1)
        let client = KafkaClientConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: .init(client: client), logger: logger)
        try await producer.whileRunning {
            try await producer.send(.init(topic: "lazy", key: nil, value: Data("x".utf8)))
        }
        let consumer = try KafkaConsumer(configuration: .init(client: client, groupID: "lazy"), topics: ["lazy"], logger: logger)
        try await Task.sleep(for: .milliseconds(300))
        #expect(consumer.assignment.isEmpty)
        let running = Task { try await consumer.run() }
        await consumer.waitForAssignment(of: "lazy")
        var iterator = consumer.messages.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first.map { String(decoding: $0.value, as: UTF8.self) } == "x")
        await consumer.shutdown()
        try await running.value
        #expect(await iterator.next() == nil)
    }
}

@Suite(.timeLimit(.minutes(1))) struct StartPositionTests {
    /// A listener that starts `.recent(window)` reads what was produced within the window, then lives on.
    @Test func aRecentWindowIsReadFromItsStart() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("window", partitions: 2)
        let client = KafkaClientConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: .init(client: client), logger: Logger(label: "t"))
        try await producer.whileRunning {
            for index in 0..<6 { try await producer.send(.init(topic: "window", key: Data("k\(index)".utf8), value: Data("\(index)".utf8))) }
        }
        var configuration = KafkaConsumerConfiguration(client: client, groupID: "window-listener")
        configuration.startOnAssign = .recent(.seconds(60))
        let consumer = try KafkaConsumer(configuration: configuration, topics: ["window"], logger: Logger(label: "t"))
        let values = try await consumer.whileRunning {
            var values: Set<String> = []
            var iterator = consumer.messages.makeAsyncIterator()
            while values.count < 6, let message = await iterator.next() {
                values.insert(String(decoding: message.value, as: UTF8.self))
                consumer.markProcessed(message)
            }
            return values
        }
        #expect(values == Set((0..<6).map(String.init)))
    }
}
