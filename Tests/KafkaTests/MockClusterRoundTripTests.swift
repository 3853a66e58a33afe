import Foundation
import Logging
import RaglineTestSupport
import Testing
@testable import Kafka

@Suite struct MockClusterRoundTripTests {
    let logger = Logger(label: "kafka-tests")

    @Test func producedRecordIsAcknowledgedAndConsumedWithHeaders() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("roundtrip", partitions: 2)
        let client = KafkaClientConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        let producing = Task { try await producer.run() }
        let ack = try await producer.send(KafkaOutgoingRecord(
            topic: "roundtrip", key: Data("k1".utf8), value: Data("hello".utf8),
            headers: [KafkaHeader(name: "ce_type", string: "test.event")]
        ))
        #expect(ack.topic == "roundtrip")
        #expect(ack.offset >= 0)

        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(client: client, groupID: "g1"),
            topics: ["roundtrip"], logger: logger
        )
        let consuming = Task { try await consumer.run() }
        var received: KafkaConsumerMessage?
        for await message in consumer.messages {
            received = message
            consumer.markProcessed(message)
            break
        }
        #expect(received?.keyString == "k1")
        #expect(received.map { String(decoding: $0.value, as: UTF8.self) } == "hello")
        #expect(received?.header("ce_type") == "test.event")
        await consumer.shutdown()
        await producer.shutdown()
        try await consuming.value
        try await producing.value
    }

    @Test func committedOffsetsAreNotReadAgainByTheGroup() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("commits", partitions: 1)
        let client = KafkaClientConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        let producing = Task { try await producer.run() }
        for index in 0..<4 {
            try await producer.send(KafkaOutgoingRecord(topic: "commits", key: nil, value: Data("\(index)".utf8)))
        }
        let configuration = KafkaConsumerConfiguration(client: client, groupID: "g-commit")

        // First member processes only the first two records, then leaves.
        let first = try KafkaConsumer(configuration: configuration, topics: ["commits"], logger: logger)
        let firstRunning = Task { try await first.run() }
        var firstValues: [String] = []
        for await message in first.messages {
            firstValues.append(String(decoding: message.value, as: UTF8.self))
            first.markProcessed(message)
            if firstValues.count == 2 { break }
        }
        await first.shutdown()
        try await firstRunning.value
        #expect(firstValues == ["0", "1"])

        let second = try KafkaConsumer(configuration: configuration, topics: ["commits"], logger: logger)
        let secondRunning = Task { try await second.run() }
        var secondValues: [String] = []
        for await message in second.messages {
            secondValues.append(String(decoding: message.value, as: UTF8.self))
            second.markProcessed(message)
            if secondValues.count == 2 { break }
        }
        await second.shutdown()
        try await secondRunning.value
        #expect(secondValues == ["2", "3"])
        await producer.shutdown()
        try await producing.value
    }

    @Test func unprocessedRecordIsDeliveredAgain() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("redeliver", partitions: 1)
        let client = KafkaClientConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        let producing = Task { try await producer.run() }
        try await producer.send(KafkaOutgoingRecord(topic: "redeliver", key: nil, value: Data("a".utf8)))
        try await producer.send(KafkaOutgoingRecord(topic: "redeliver", key: nil, value: Data("b".utf8)))
        let configuration = KafkaConsumerConfiguration(client: client, groupID: "g-redeliver")

        let first = try KafkaConsumer(configuration: configuration, topics: ["redeliver"], logger: logger)
        let firstRunning = Task { try await first.run() }
        var seen = 0
        for await message in first.messages {
            seen += 1
            // "b" finishes but "a" never does: nothing may be committed past "a".
            if String(decoding: message.value, as: UTF8.self) == "b" { first.markProcessed(message) }
            if seen == 2 { break }
        }
        await first.shutdown()
        try await firstRunning.value

        let second = try KafkaConsumer(configuration: configuration, topics: ["redeliver"], logger: logger)
        let secondRunning = Task { try await second.run() }
        var again: String?
        for await message in second.messages {
            again = String(decoding: message.value, as: UTF8.self)
            second.markProcessed(message)
            break
        }
        await second.shutdown()
        try await secondRunning.value
        #expect(again == "a")
        await producer.shutdown()
        try await producing.value
    }

    @Test func boundedInFlightHoldsBackFurtherRecords() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("bounded", partitions: 1)
        let client = KafkaClientConfiguration(bootstrapServers: cluster.bootstrapServers)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        let producing = Task { try await producer.run() }
        for index in 0..<5 {
            try await producer.send(KafkaOutgoingRecord(topic: "bounded", key: nil, value: Data("\(index)".utf8)))
        }
        var configuration = KafkaConsumerConfiguration(client: client, groupID: "g-bounded")
        configuration.maxInFlight = 2
        let consumer = try KafkaConsumer(configuration: configuration, topics: ["bounded"], logger: logger)
        let consuming = Task { try await consumer.run() }
        let received = LockedBox<[KafkaConsumerMessage]>([])
        let reader = Task {
            for await message in consumer.messages { received.withLock { $0.append(message) } }
        }
        try await waitUntil("two records") { received.value.count == 2 }
        try await Task.sleep(for: .milliseconds(700))
        // Without a free slot the third record must not arrive.
        #expect(received.value.count == 2)
        consumer.markProcessed(received.value[0])
        try await waitUntil("a third record") { received.value.count == 3 }
        await consumer.shutdown()
        await reader.value
        try await consuming.value
        await producer.shutdown()
    }
}


/// The embedded broker speaks the real protocol: an independent client (kcat) produces to it and reads
/// what Ragline's producer wrote, headers included.
@Suite struct ExternalClientTests {
    @Test func kcatTalksToTheMockCluster() async throws {
        let kcat = ["/usr/bin/kcat", "/usr/local/bin/kcat"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let path = try #require(kcat, "kcat is installed by scripts/setup.sh")
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("external", partitions: 1)
        let producer = try KafkaProducer(configuration: .init(client: .init(bootstrapServers: cluster.bootstrapServers)), logger: Logger(label: "t"))
        try await producer.whileRunning {
            try await producer.send(.init(topic: "external", key: Data("k".utf8), value: Data("from-swift".utf8), headers: [.init(name: "h1", string: "v1")]))
        }

        func run(_ arguments: [String], input: String? = nil) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            let inputPipe = Pipe()
            if input != nil { process.standardInput = inputPipe }
            try process.run()
            if let input {
                inputPipe.fileHandleForWriting.write(Data(input.utf8))
                try inputPipe.fileHandleForWriting.close()
            }
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        _ = try run(["-P", "-b", cluster.bootstrapServers, "-t", "external", "-k", "k2"], input: "from-kcat\n")
        let consumed = try run(["-C", "-b", cluster.bootstrapServers, "-t", "external", "-o", "beginning", "-e", "-f", "%k=%s %h\n"])
        #expect(consumed.contains("k=from-swift h1=v1"), "\(consumed)")
        #expect(consumed.contains("k2=from-kcat"), "\(consumed)")
    }
}
