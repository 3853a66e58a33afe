import ArgumentParser
import Foundation
import Kafka
import RAGCore
import RaglineApp

/// `ragline dev`: every role in one process on embedded defaults (mock Kafka, local index, local
/// knowledge folder seeded with the demo files, extractive answers).
struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run all roles in one process on embedded defaults.")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let configuration = await Bootstrap.configurationOrExit(options)
        let logger = Bootstrap.logging(configuration, label: "ragline.dev")
        let registry = Bootstrap.metrics()
        let tracing = Bootstrap.tracingOrExit(serviceName: "ragline-dev")

        // Embedded Kafka unless KAFKA_BROKERS names a real one.
        let cluster = configuration.kafka.brokers == nil ? try RaglineRuntime.embeddedBroker(partitions: configuration.kafka.partitions) : nil
        let brokers = configuration.kafka.brokers ?? cluster?.bootstrapServers ?? ""
        if let cluster {
            // Published like `ragline broker` does, so that tools and roles in other processes can join it.
            try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
            try cluster.bootstrapServers.write(toFile: configuration.brokerAddressFile, atomically: true, encoding: .utf8)
            logger.info("embedded Kafka (mock cluster) listening", metadata: ["kafka.brokers": "\(brokers)", "file": "\(configuration.brokerAddressFile)"])
        }
        let stack: InProcessStack
        do {
            stack = try InProcessStack(
                configuration: configuration, brokers: brokers, logger: logger, registry: registry, signals: [.sigterm, .sigint],
                firstServices: [tracing].compactMap { $0 }
            ) { port in
                logger.info("Ragline is up: try  curl -s localhost:\(port)/v1/chat -H 'content-type: application/json' -d '{\"question\":\"How can I buy a train ticket?\"}'")
            }
        } catch {
            Bootstrap.fail(error)
        }
        try await stack.wait()
        if cluster != nil { try? FileManager.default.removeItem(atPath: configuration.brokerAddressFile) }
        withExtendedLifetime(cluster) {}
    }
}

/// `ragline broker`: hosts the embedded Kafka for multi-process runs and publishes its address.
struct Broker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Host the embedded Kafka broker (mock cluster) for roles in other processes.")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let configuration = await Bootstrap.configurationOrExit(options)
        let logger = Bootstrap.logging(configuration, label: "ragline.broker")
        let cluster = try RaglineRuntime.embeddedBroker(partitions: configuration.kafka.partitions)
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        try cluster.bootstrapServers.write(toFile: configuration.brokerAddressFile, atomically: true, encoding: .utf8)
        print(cluster.bootstrapServers)
        logger.info("embedded Kafka listening", metadata: ["kafka.brokers": "\(cluster.bootstrapServers)", "file": "\(configuration.brokerAddressFile)"])
        try await Bootstrap.run([BrokerHost(cluster: cluster)], logger: logger)
        try? FileManager.default.removeItem(atPath: configuration.brokerAddressFile)
    }
}
