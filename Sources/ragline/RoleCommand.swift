import ArgumentParser
import Kafka
import RAGCore
import RaglineApp

/// `ragline gateway|retriever|responder|ingest-worker`: one role per process (one ECS service each).
enum RoleCommand {
    static func run(_ role: Role, options: CommonOptions) async throws {
        let configuration = await Bootstrap.configurationOrExit(options)
        let brokers = Bootstrap.brokersOrExit(configuration)
        let logger = Bootstrap.logging(configuration, label: "ragline.\(role.rawValue)")
        let registry = Bootstrap.metrics()
        let tracing = Bootstrap.tracingOrExit(serviceName: "ragline-\(role.rawValue)")
        let runtime = RaglineRuntime(configuration: configuration, logger: logger, registry: registry)
        let assembly: RaglineRuntime.Assembly
        do {
            assembly = try runtime.assemble(roles: [role], brokers: brokers) { port in
                logger.info("gateway listening", metadata: ["port": "\(port)"])
            }
        } catch {
            Bootstrap.fail(error)
        }
        logger.info("starting", metadata: ["role": "\(role.rawValue)", "kafka.brokers": "\(brokers)"])
        try await Bootstrap.run([tracing].compactMap { $0 } + assembly.services, logger: logger)
    }

    struct Gateway: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "gateway", abstract: "Run the HTTP API.")
        @OptionGroup var options: CommonOptions
        func run() async throws { try await RoleCommand.run(.gateway, options: options) }
    }

    struct Retriever: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "retriever", abstract: "Embed questions and search the index.")
        @OptionGroup var options: CommonOptions
        func run() async throws { try await RoleCommand.run(.retriever, options: options) }
    }

    struct Responder: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "responder", abstract: "Write answers from retrieved entries.")
        @OptionGroup var options: CommonOptions
        func run() async throws { try await RoleCommand.run(.responder, options: options) }
    }

    struct IngestWorker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ingest-worker", abstract: "Apply knowledge file uploads and deletions to the index.")
        @OptionGroup var options: CommonOptions
        func run() async throws { try await RoleCommand.run(.ingestWorker, options: options) }
    }
}
