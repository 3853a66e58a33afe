import Configuration
import Foundation
import RAGCore
import RaglineApp
import Testing

@Suite struct ConfigurationTests {
    func configuration(_ environment: [String: String]) throws -> RaglineConfiguration {
        try RaglineConfiguration(reader: ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment)))
    }

    @Test func defaultsApplyWhenNothingIsSet() throws {
        let configuration = try configuration([:])
        #expect(configuration.dataDirectory == "./data")
        #expect(configuration.gateway.port == 8080)
        #expect(configuration.kafka.brokers == nil)
        #expect(configuration.retriever.adminPort == 9101)
        #expect(configuration.scoring.noMatchThreshold == nil)
        #expect(configuration.scoring.fallbackThreshold == 0.37)
        #expect(configuration.scoring.calibrationQuantile == 0.065)
        #expect(configuration.providers.embedder == "minilm")
    }

    @Test func environmentVariablesAreTheDocumentedNames() throws {
        let configuration = try configuration([
            "RAGLINE_DATA_DIR": "/tmp/x", "RAGLINE_PORT": "9000", "KAFKA_BROKERS": "b:9092", "RAGLINE_API_KEYS": "a, b",
            "KAFKA_PROPERTIES": "security.protocol=ssl; ssl.ca.location=/ca.pem", "RAGLINE_ADMIN_PORT": "0",
            "RAGLINE_CALLBACK_ALLOWED_HOSTS": "LocalHost",
        ])
        #expect(configuration.dataDirectory == "/tmp/x")
        #expect(configuration.gateway.port == 9000)
        #expect(configuration.kafka.brokers == "b:9092")
        #expect(configuration.gateway.apiKeys == ["a", "b"])
        #expect(configuration.kafka.properties == ["security.protocol": "ssl", "ssl.ca.location": "/ca.pem"])
        #expect(configuration.ingest.adminPort == 0)
        #expect(configuration.gateway.callbackAllowedHosts == ["localhost"])
        #expect(Settings.dataDirectory.environmentVariable == "RAGLINE_DATA_DIR")
        #expect(Settings.kafkaFetchWaitMaxMilliseconds.environmentVariable == "KAFKA_FETCH_WAIT_MAX_MS")
    }

    @Test func badValuesStopWithOneLineNamingTheSetting() {
        #expect(throws: ConfigurationError.self) { try configuration(["RAGLINE_PORT": "70000"]) }
        do {
            _ = try configuration(["KAFKA_PROPERTIES": "novalue"])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "configuration error: KAFKA_PROPERTIES expected key=value, got \"novalue\"")
        }
        #expect(throws: ConfigurationError.self) { try configuration(["RAGLINE_TOP_K": "50"]) }
    }

    /// A mistyped number never falls back to its default unnoticed.
    @Test(arguments: [
        ("RAGLINE_MAX_BODY_BYTES", "12abc", "configuration error: RAGLINE_MAX_BODY_BYTES must be a whole number, got \"12abc\""),
        ("RAGLINE_TOP_K", "lots", "configuration error: RAGLINE_TOP_K must be a whole number, got \"lots\""),
        ("RAGLINE_CLARIFY_MARGIN", "0.o1", "configuration error: RAGLINE_CLARIFY_MARGIN must be a number, got \"0.o1\""),
        ("RAGLINE_ADMIN_PORT", "90a", "configuration error: RAGLINE_ADMIN_PORT must be a whole number, got \"90a\""),
        ("LLM_STREAM", "maybe", "configuration error: LLM_STREAM must be true or false, got \"maybe\""),
        ("RAGLINE_PUBLISH_TIMEOUT_SECONDS", "soon", "configuration error: RAGLINE_PUBLISH_TIMEOUT_SECONDS must be a number, got \"soon\""),
    ])
    func malformedNumbersStopTheProcess(variable: String, value: String, message: String) {
        #expect { try configuration([variable: value]) } throws: { "\($0)" == message }
    }

    @Test func everySettingIsInTheTable() {
        let table = Settings.markdownTable()
        for setting in Settings.all {
            #expect(table.contains("`\(setting.environmentVariable)`"))
        }
        #expect(Set(Settings.all.map(\.environmentVariable)).count == Settings.all.count)
    }
}

@Suite struct ReadmeTests {
    @Test func readmeConfigurationTableIsTheGeneratedOne() throws {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("README.md").path) {
            url.deleteLastPathComponent()
        }
        let readme = try String(contentsOf: url.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(Settings.markdownTable()), "README.md's configuration table differs from `ragline settings`")
    }
}
