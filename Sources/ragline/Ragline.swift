import ArgumentParser

@main
struct Ragline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ragline",
        abstract: "Answers customer questions from an approved knowledge base, over Kafka.",
        subcommands: [
            Dev.self, Broker.self,
            RoleCommand.Gateway.self, RoleCommand.Retriever.self, RoleCommand.Responder.self, RoleCommand.IngestWorker.self,
            Ask.self, Ingest.self, ExportCommand.self, GapsCommand.self, FeedbackReportCommand.self, Eval.self, TopicsCommand.self, Health.self, SettingsCommand.self, Bench.self,
        ]
    )
}

/// Options every running command shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "A JSON file with the same keys as the environment variables (e.g. {\"ragline\": {\"port\": 8080}}); the environment wins.")
    var config: String?
}
