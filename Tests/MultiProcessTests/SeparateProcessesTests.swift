import Foundation
import Kafka
import LocalProviders
import Logging
import RAGCore
import RaglineApp
import RaglineTestSupport
import Testing

/// `ragline broker` plus each role as its own OS process, as they run in production.
@Suite(.serialized, .timeLimit(.minutes(6)))
struct SeparateProcessesTests {
    @Test func questionsSurviveAKilledRetriever() async throws {
        let directory = try TemporaryDirectory("ragline-mp")
        let dataDirectory = directory.appending("data")
        let configuration = {
            var configuration = RaglineConfiguration()
            configuration.dataDirectory = dataDirectory
            return configuration
        }()
        try LocalKnowledgeSource.seed(from: (repositoryRoot as NSString).appendingPathComponent("examples/knowledge"), into: configuration.knowledgeDirectory, logger: Logger(label: "test"))
        let gatewayPort = freePort()
        func environment(adminPort: Int) -> [String: String] {
            ["RAGLINE_DATA_DIR": dataDirectory, "RAGLINE_PORT": String(gatewayPort), "RAGLINE_ADMIN_PORT": String(adminPort), "RAGLINE_LOG_LEVEL": "info", "RAGLINE_HOST": "127.0.0.1"]
        }
        let processes = LockedBox<[RaglineProcess]>([])
        func launch(_ name: String, _ arguments: [String]) throws -> RaglineProcess {
            let process = try RaglineProcess(name: name, arguments: arguments, environment: environment(adminPort: freePort()), logDirectory: directory.path)
            processes.withLock { $0.append(process) }
            return process
        }

        try await withAsyncCleanup({
            for process in processes.value.reversed() { await process.terminate(timeout: .seconds(10)) }
            directory.remove()
        }) {
            let broker = try launch("broker", ["broker"])
            try await waitUntil("broker address file", timeout: .seconds(20)) { FileManager.default.fileExists(atPath: configuration.brokerAddressFile) }
            let brokers = try RaglineRuntime.brokers(configuration)

            _ = try launch("ingest-worker", ["ingest-worker"])
            _ = try launch("responder", ["responder"])
            var retriever = try launch("retriever", ["retriever"])
            let gateway = try launch("gateway", ["gateway"])
            let http = TestHTTP(baseURL: "http://127.0.0.1:\(gatewayPort)")
            try await waitUntil("gateway /readyz", timeout: .seconds(60)) { (try? await http.get("/readyz").status) == 200 }

            // Knowledge arrives as S3 notifications on the topic, as from S3 -> SQS or MinIO -> Kafka.
            try await DemoKnowledgeEvents.publishAndWaitUntilIndexed(brokers: brokers, indexDirectory: configuration.indexDirectory)

            let first = try await http.post("/v1/chat", json: ["question": "What happens if my train is delayed?"])
            #expect(first.status == 200, "\(first.text)")
            #expect((first.json["references"] as? [[String: Any]])?.first?["id"] as? String == "transport-009")

            // Accept questions while the retriever is killed mid-stream and replaced.
            var ids: [String] = []
            for number in 0..<30 {
                if number == 10 {
                    retriever.kill()
                }
                let accepted = try await http.post("/v1/questions", json: ["question": "Can I bring my bicycle on board? (\(number))"])
                #expect(accepted.status == 202, "\(accepted.text)")
                if let id = accepted.json["id"] as? String { ids.append(id) }
                if number == 20 {
                    retriever = try launch("retriever-2", ["retriever"])
                }
            }
            #expect(ids.count == 30)
            let acceptedIDs = ids
            try await waitUntil("every accepted question answered", timeout: .seconds(120), interval: .milliseconds(250)) {
                for id in acceptedIDs {
                    let status = try await http.get("/v1/questions/\(id)").json["status"] as? String
                    if status != "answered" { return false }
                }
                return true
            }
            let sample = try await http.get("/v1/questions/\(ids[15])").json
            #expect((sample["references"] as? [[String: Any]])?.first?["id"] as? String == "transport-005")

            // SIGTERM drains and exits 0.
            for process in processes.value.reversed() where process.isRunning && process !== broker {
                let status = await process.terminate()
                #expect(status == 0, "\(process.name) exited with \(String(describing: status)):\n\(process.log.suffix(2000))")
            }
            _ = gateway
        }
    }
}
