import Foundation
import RAGCore
import RaglineTestSupport
import Testing

/// compose/ checked statically: no Docker engine runs here, so the stack is validated with Debian's
/// docker-compose (`config`) and by comparing every variable it sets with the settings Ragline reads.
@Suite struct ComposeTests {
    static let compose = (repositoryRoot as NSString).appendingPathComponent("compose")
    /// Variables the compose stack itself uses (MinIO, interpolation); not Ragline settings.
    static let composeOnly: Set<String> = ["MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"]

    @Test func composeFileIsValidAndSetsOnlyKnownSettings() throws {
        let directory = try TemporaryDirectory("ragline-compose")
        defer { directory.remove() }
        let copy = directory.appending("compose")
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.compose + "/docker-compose.yml", toPath: copy + "/docker-compose.yml")
        try FileManager.default.copyItem(atPath: Self.compose + "/.env.example", toPath: copy + "/.env")
        let (status, resolved) = try runProgram("docker-compose", ["-f", "docker-compose.yml", "config"], directory: copy)
        #expect(status == 0, "docker-compose config failed:\n\(resolved)")
        try resolved.write(toFile: directory.appending("resolved.yml"), atomically: true, encoding: .utf8)

        // service -> environment variable names, through PyYAML.
        let python = (repositoryRoot as NSString).appendingPathComponent(".venv-test/bin/python")
        let script = "import json,sys,yaml; d=yaml.safe_load(open(sys.argv[1])); print(json.dumps({n: sorted((s.get('environment') or {}).keys()) for n, s in d['services'].items()}))"
        let (parsed, json) = try runProgram(python, ["-c", script, directory.appending("resolved.yml")])
        #expect(parsed == 0, "\(json)")
        let services = try JSONDecoder().decode([String: [String]].self, from: Data(json.utf8))
        let known = Set(Settings.all.map(\.environmentVariable)).union(Self.composeOnly)
        for role in ["gateway", "retriever", "responder", "ingest-worker", "kafka-topics"] {
            let variables = try #require(services[role], "compose has no \(role) service")
            let unknown = variables.filter { !known.contains($0) }
            #expect(unknown.isEmpty, "\(role) sets variables Ragline does not read: \(unknown)")
        }
        #expect(services["gateway"]?.contains("RAGLINE_CALLBACK_SECRET") == true)
        #expect(services["ingest-worker"]?.contains("S3_ENDPOINT_URL") == true)

        // Each role waits for a healthy Kafka and for the topics job to have exited 0, not just "started".
        let dependsScript = "import json,sys,yaml; d=yaml.safe_load(open(sys.argv[1])); print(json.dumps({n: {k: (v or {}).get('condition', 'service_started') for k, v in (s.get('depends_on') or {}).items()} if isinstance(s.get('depends_on'), dict) else {k: 'service_started' for k in s.get('depends_on') or []} for n, s in d['services'].items()}))"
        let (dependsStatus, dependsJSON) = try runProgram(python, ["-c", dependsScript, directory.appending("resolved.yml")])
        #expect(dependsStatus == 0, "\(dependsJSON)")
        let dependencies = try JSONDecoder().decode([String: [String: String]].self, from: Data(dependsJSON.utf8))
        for role in ["gateway", "retriever", "responder", "ingest-worker"] {
            #expect(dependencies[role]?["kafka"] == "service_healthy", "\(role) does not wait for a healthy Kafka")
            #expect(dependencies[role]?["kafka-topics"] == "service_completed_successfully", "\(role) does not wait for the topics job")
        }
        #expect(dependencies["kafka-topics"]?["kafka"] == "service_healthy")

        // Every variable of .env.example is a setting (or the stack's own), so the example documents nothing stale.
        let example = try String(contentsOfFile: Self.compose + "/.env.example", encoding: .utf8)
        let names = example.split(separator: "\n").filter { !$0.hasPrefix("#") && $0.contains("=") }.map { String($0.prefix { $0 != "=" }) }
        #expect(!names.isEmpty)
        #expect(names.filter { !known.contains($0) }.isEmpty, "unknown variables in .env.example")
    }

    @Test func imageIsMultiStageNonRootWithAHealthcheck() throws {
        let dockerfile = try String(contentsOfFile: Self.compose + "/Dockerfile", encoding: .utf8)
        let stages = dockerfile.split(separator: "\n").filter { $0.hasPrefix("FROM ") }
        #expect(stages.count == 2)
        #expect(stages.first?.contains("swift:6") == true)
        #expect(dockerfile.contains("\nUSER ragline\n"))
        #expect(dockerfile.contains("HEALTHCHECK"))
        #expect(dockerfile.contains("install-model.sh"))
        let ignored = try String(contentsOfFile: (repositoryRoot as NSString).appendingPathComponent(".dockerignore"), encoding: .utf8)
        for entry in ["**/.build", ".git", "**/data", "**/models"] {
            #expect(ignored.split(separator: "\n").contains(Substring(entry)))
        }
    }
}
