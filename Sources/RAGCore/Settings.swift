/// Every setting Ragline reads. The README's configuration table is `ragline settings --markdown`.
public enum Settings {
    // Shared
    public static let dataDirectory = Setting("ragline.data.dir", default: "./data", roles: "all", "Folder for everything the embedded defaults keep: index, knowledge folder, broker address.")
    public static let port = Setting("ragline.port", default: "8080", roles: "gateway, dev", "HTTP port of the gateway API.")
    public static let host = Setting("ragline.host", default: "0.0.0.0", roles: "gateway, dev", "Address the HTTP servers bind to.")
    public static let adminPort = Setting("ragline.admin.port", default: "9101 / 9102 / 9103", roles: "retriever / responder / ingest-worker", "Port of `/healthz`, `/readyz`, `/metrics` for roles without the API (0 turns it off).")
    public static let logLevel = Setting("ragline.log.level", default: "info", roles: "all", "trace, debug, info, notice, warning, error, critical.")
    public static let instanceID = Setting("ragline.instance.id", default: "<hostname>-<pid>", roles: "gateway", "Names this gateway's own answers consumer group.")
    // Kafka
    public static let kafkaBrokers = Setting("kafka.brokers", default: "embedded in `dev`; else `$RAGLINE_DATA_DIR/kafka-bootstrap`", roles: "all", "Kafka bootstrap servers (`host:port,...`). `ragline broker` writes its address to the file named in the default.")
    public static let kafkaPartitions = Setting("kafka.partitions", default: "4", roles: "dev, broker, topics", "Partitions of each topic that `ragline dev`, `ragline broker` and `ragline topics` create.")
    public static let kafkaReplicationFactor = Setting("kafka.replication.factor", default: "1", roles: "topics", "Replication factor for topics created on a real cluster.")
    public static let kafkaFetchWaitMaxMilliseconds = Setting("kafka.fetch.wait.max.ms", default: "5", roles: "all", "`fetch.wait.max.ms`. The embedded broker answers a fetch only when it expires, so keep it at 1-5 there; 100-500 suits a real broker.")
    public static let kafkaSecurity = Setting("kafka.security", default: "plaintext", roles: "all", "`plaintext`, `tls` (MSK port 9094), `scram` (SASL/SCRAM-SHA-512 over TLS, 9096) or `iam` (SASL/OAUTHBEARER with an MSK IAM token, 9098, refreshed in the background).")
    public static let kafkaSASLUsername = Setting("kafka.sasl.username", default: "(none)", roles: "all", "SCRAM user name, with `KAFKA_SECURITY=scram`.")
    public static let kafkaSASLPassword = Setting("kafka.sasl.password", default: "(none)", roles: "all", "SCRAM password, with `KAFKA_SECURITY=scram`.", secret: true)
    public static let kafkaTLSCALocation = Setting("kafka.tls.ca.location", default: "(system CAs)", roles: "all", "CA bundle for the brokers' certificates (`ssl.ca.location`).")
    public static let kafkaProperties = Setting("kafka.properties", default: "(none)", roles: "all", "Extra librdkafka properties, `key=value;key=value` (TLS, SASL, tuning).")
    // Gateway
    public static let chatTimeout = Setting("ragline.chat.timeout.seconds", default: "30", roles: "gateway", "Deadline of `POST /v1/chat`; past it the answer is 504 with the question id.")
    public static let asyncTimeout = Setting("ragline.async.timeout.seconds", default: "300", roles: "gateway", "Deadline of questions asked with `POST /v1/questions`.")
    public static let maxQuestionLength = Setting("ragline.max.question.chars", default: "2000", roles: "gateway", "Longest question accepted (characters).")
    public static let maxBodyBytes = Setting("ragline.max.body.bytes", default: "65536", roles: "gateway", "Largest request body accepted.")
    public static let defaultTopK = Setting("ragline.top.k", default: "3", roles: "gateway", "Entries retrieved per question unless the request says `top_k` (1-20).")
    public static let apiKeys = Setting("ragline.api.keys", default: "(none: no auth)", roles: "gateway", "Comma-separated API keys; when set, `/v1/*` needs `Authorization: Bearer <key>`.", secret: true)
    public static let answerCacheSize = Setting("ragline.answer.cache.size", default: "10000", roles: "gateway", "Answers each gateway keeps for polling.")
    public static let callbackSecret = Setting("ragline.callback.secret", default: "(random per process)", roles: "gateway", "HMAC-SHA256 key that signs callbacks; set the same value on every gateway.", secret: true)
    public static let callbackAllowedHosts = Setting("ragline.callback.allowed.hosts", default: "(none)", roles: "gateway", "Hosts allowed as callback targets even though they resolve to loopback or private addresses.")
    public static let callbackMaxAttempts = Setting("ragline.callback.max.attempts", default: "6", roles: "gateway", "Delivery attempts per callback, with exponential backoff.")
    // Retriever
    public static let embedder = Setting("ragline.embedder", default: "minilm", roles: "retriever, ingest-worker", "Embedder: `minilm` (all-MiniLM-L6-v2 in-process, 384 dimensions), `lexical` (hashed words and character trigrams; no model files, no semantics), `openai` (an OpenAI-compatible `/embeddings` endpoint), `huggingface` (Hugging Face feature extraction) or `pinecone` (Pinecone Inference). Re-ingest the knowledge after a change.")
    public static let modelDirectory = Setting("ragline.model.dir", default: "models/all-MiniLM-L6-v2", roles: "retriever, ingest-worker", "Folder with the MiniLM model files; `scripts/install-model.sh` fills it.")
    public static let embedderThreads = Setting("ragline.embedder.threads", default: "1", roles: "retriever, ingest-worker", "Threads one MiniLM forward pass uses (passes run one at a time per process).")
    public static let embeddingsURL = Setting("embeddings.url", default: "`$LLM_BASE_URL/embeddings` (openai); the router's feature-extraction URL of `EMBEDDINGS_MODEL` (huggingface)", roles: "retriever, ingest-worker", "Endpoint of the hosted embedder.")
    public static let embeddingsModel = Setting("embeddings.model", default: "sentence-transformers/all-MiniLM-L6-v2", roles: "retriever, ingest-worker", "Model of the hosted embedder.")
    public static let embeddingsDimensions = Setting("embeddings.dimensions", default: "384", roles: "retriever, ingest-worker", "Vector size the hosted embedder returns (checked on every answer).")
    public static let embeddingsAPIKey = Setting("embeddings.api.key", default: "`LLM_API_KEY`, else `HF_TOKEN`", roles: "retriever, ingest-worker", "Bearer key of the hosted embedder.", secret: true)
    public static let vectorIndex = Setting("ragline.vector.index", default: "local", roles: "retriever, ingest-worker", "Vector index: `local` (exact cosine, persisted under the data directory) or `pinecone`.")
    public static let pineconeAPIKey = Setting("pinecone.api.key", default: "(none)", roles: "retriever, ingest-worker", "Pinecone API key (index and Inference).", secret: true)
    public static let pineconeIndex = Setting("pinecone.index", default: "(none)", roles: "retriever, ingest-worker", "Pinecone index name; its host is looked up once through the control plane.")
    public static let pineconeIndexHost = Setting("pinecone.index.host", default: "(none)", roles: "retriever, ingest-worker", "Pinecone index host; skips the control-plane look-up.")
    public static let pineconeControlURL = Setting("pinecone.control.url", default: "https://api.pinecone.io", roles: "retriever, ingest-worker", "Pinecone control plane (and Inference) base URL.")
    public static let pineconeEmbedModel = Setting("pinecone.embed.model", default: "multilingual-e5-large", roles: "retriever, ingest-worker", "Model of `RAGLINE_EMBEDDER=pinecone` (Pinecone Inference).")
    public static let pineconeEmbedDimensions = Setting("pinecone.embed.dimensions", default: "1024", roles: "retriever, ingest-worker", "Vector size of the Pinecone Inference model (the index must match).")
    public static let retrieverConcurrency = Setting("ragline.retriever.concurrency", default: "8", roles: "retriever", "Questions processed at once per instance.")
    // Responder
    public static let chatModel = Setting("ragline.chat.model", default: "extractive", roles: "responder", "Answer writer: `extractive` returns the best entry's approved answer verbatim; `openai` asks an OpenAI-compatible chat-completions endpoint (`LLM_*`).")
    public static let llmBaseURL = Setting("llm.base.url", default: "https://router.huggingface.co/v1", roles: "responder", "Base URL of the OpenAI-compatible server (Hugging Face router, vLLM, TGI, Ollama, llama.cpp, OpenAI).")
    public static let llmModel = Setting("llm.model", default: "meta-llama/Llama-3.1-8B-Instruct", roles: "responder", "Chat model; on the Hugging Face router it may end in `:fastest`, `:cheapest` or `:<provider>`.")
    public static let llmAPIKey = Setting("llm.api.key", default: "(none)", roles: "responder", "Bearer key of the chat server.", secret: true)
    public static let huggingFaceToken = Setting("hf.token", default: "(none)", roles: "responder, retriever, ingest-worker", "Hugging Face token, used when `LLM_API_KEY` (or `EMBEDDINGS_API_KEY`) is not set.", secret: true)
    public static let llmMaxTokens = Setting("llm.max.tokens", default: "512", roles: "responder", "`max_tokens` of each answer.")
    public static let llmTemperature = Setting("llm.temperature", default: "0.2", roles: "responder", "`temperature` of each answer.")
    public static let llmTimeout = Setting("llm.timeout.seconds", default: "30", roles: "responder", "Timeout of one chat request; the question's deadline bounds the retries.")
    public static let llmStream = Setting("llm.stream", default: "false", roles: "responder", "Ask for server-sent events and assemble the answer from the chunks.")
    public static let responderConcurrency = Setting("ragline.responder.concurrency", default: "8", roles: "responder", "Answers generated at once per instance.")
    public static let noMatchThreshold = Setting("ragline.no.match.threshold", default: "(calibrated per namespace at ingestion; 0.37 without a calibration)", roles: "retriever, responder", "Overrides the confidence (the chosen answer's best cosine) under which the answer is `no_match`; `ragline eval --calibrate` finds one from a golden set.")
    public static let clarifyMargin = Setting("ragline.clarify.margin", default: "0.01", roles: "retriever, responder", "When the two best answers' fused scores are closer than this, the answer is `clarify` (\"did you mean\"); 0 turns it off.")
    public static let scoringTemperature = Setting("ragline.scoring.temperature", default: "0.1", roles: "retriever, ingest-worker", "Temperature of the soft maximum over an answer group's vectors.")
    public static let hubnessWeight = Setting("ragline.scoring.hubness.weight", default: "1.0", roles: "retriever, ingest-worker", "Weight of the hubness correction (a vector loses weight/2 times its mean cosine to its 10 nearest neighbours).")
    public static let lexicalWeight = Setting("ragline.scoring.lexical.weight", default: "0.2", roles: "retriever, ingest-worker", "Weight of normalised BM25 added to each vector's cosine.")
    public static let classifierWeight = Setting("ragline.scoring.classifier.weight", default: "0.3", roles: "retriever, ingest-worker", "Weight of the answer classifier's log-probability in the fused score.")
    public static let classifierPenalty = Setting("ragline.classifier.penalty", default: "0.0001", roles: "ingest-worker", "L2 penalty of the answer classifier fitted at ingestion.")
    public static let calibrationQuantile = Setting("ragline.calibration.quantile", default: "0.065", roles: "ingest-worker", "Quantile of the knowledge's own leave-one-out confidences (each question against the rest of its answer group) taken as a namespace's no-match threshold.")
    public static let retrievalCandidates = Setting("ragline.retrieval.candidates", default: "50", roles: "retriever", "Vectors asked of the index per question, grouped into answers before the best `top_k` are kept.")
    public static let noMatchAnswer = Setting("ragline.no.match.answer", default: "Sorry, I could not find an answer to that in our knowledge base. Please rephrase, or contact our support team.", roles: "responder", "Text of a `no_match` answer.")
    // Ingest
    public static let objectStore = Setting("ragline.object.store", default: "folder", roles: "ingest-worker", "Where knowledge files are read: `folder` (`$RAGLINE_DATA_DIR/knowledge`) or `s3`.")
    public static let ingestSource = Setting("ragline.ingest.source", default: "kafka", roles: "ingest-worker", "Where object events come from: `kafka` (`rag.ingest.events`) or `sqs` (S3 notifications on `SQS_QUEUE_URL`).")
    public static let awsRegion = Setting("aws.region", default: "us-east-1", roles: "ingest-worker", "Region for S3 and SQS signing.")
    public static let awsAccessKeyID = Setting("aws.access.key.id", default: "(none: the ECS task role)", roles: "ingest-worker", "Static AWS credentials; without them the container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, or `..._FULL_URI` with `AWS_CONTAINER_AUTHORIZATION_TOKEN`) is used, refreshed before expiry.")
    public static let awsSecretAccessKey = Setting("aws.secret.access.key", default: "(none)", roles: "ingest-worker", "Secret of `AWS_ACCESS_KEY_ID`.", secret: true)
    public static let awsSessionToken = Setting("aws.session.token", default: "(none)", roles: "ingest-worker", "Session token of temporary credentials.", secret: true)
    public static let s3EndpointURL = Setting("s3.endpoint.url", default: "(AWS)", roles: "ingest-worker", "Custom S3 endpoint (MinIO, moto); implies path-style addressing.")
    public static let s3ForcePathStyle = Setting("s3.force.path.style", default: "false (true with `S3_ENDPOINT_URL`)", roles: "ingest-worker", "Address buckets as `/<bucket>/<key>` instead of `<bucket>.<host>`.")
    public static let sqsQueueURL = Setting("sqs.queue.url", default: "(none)", roles: "ingest-worker", "Queue of S3 notifications, with `RAGLINE_INGEST_SOURCE=sqs`.")
    public static let sqsWaitTime = Setting("sqs.wait.time.seconds", default: "20", roles: "ingest-worker", "Long-poll wait of each receive (0-20).")
    public static let sqsVisibilityTimeout = Setting("sqs.visibility.timeout.seconds", default: "300", roles: "ingest-worker", "Lease of a received message; extended every half of it while its file ingests.")
    public static let embedBatchSize = Setting("ragline.embed.batch.size", default: "32", roles: "ingest-worker", "Records embedded per call while ingesting.")
    public static let knowledgeBucket = Setting("ragline.knowledge.bucket", default: "local", roles: "dev, ingest-worker", "Bucket name of the local knowledge folder in the events it emits.")
    public static let watchInterval = Setting("ragline.watch.interval.ms", default: "1000", roles: "dev", "How often the local knowledge folder is scanned for changes.")
    public static let seedDirectory = Setting("ragline.seed.dir", default: "examples/knowledge", roles: "dev", "Demo knowledge copied into an empty knowledge folder on first start.")

    public static let all: [Setting] = [
        dataDirectory, port, host, adminPort, logLevel, instanceID,
        kafkaBrokers, kafkaPartitions, kafkaReplicationFactor, kafkaFetchWaitMaxMilliseconds, kafkaSecurity, kafkaSASLUsername, kafkaSASLPassword, kafkaTLSCALocation, kafkaProperties,
        chatTimeout, asyncTimeout, maxQuestionLength, maxBodyBytes, defaultTopK, apiKeys, answerCacheSize,
        callbackSecret, callbackAllowedHosts, callbackMaxAttempts,
        embedder, modelDirectory, embedderThreads, embeddingsURL, embeddingsModel, embeddingsDimensions, embeddingsAPIKey,
        vectorIndex, pineconeAPIKey, pineconeIndex, pineconeIndexHost, pineconeControlURL, pineconeEmbedModel, pineconeEmbedDimensions, retrieverConcurrency,
        chatModel, llmBaseURL, llmModel, llmAPIKey, huggingFaceToken, llmMaxTokens, llmTemperature, llmTimeout, llmStream, responderConcurrency, noMatchThreshold, clarifyMargin, retrievalCandidates, scoringTemperature, hubnessWeight, lexicalWeight, classifierWeight, classifierPenalty, calibrationQuantile, noMatchAnswer,
        objectStore, ingestSource, awsRegion, awsAccessKeyID, awsSecretAccessKey, awsSessionToken, s3EndpointURL, s3ForcePathStyle,
        sqsQueueURL, sqsWaitTime, sqsVisibilityTimeout,
        embedBatchSize, knowledgeBucket, watchInterval, seedDirectory,
    ]

    /// The README's configuration table.
    public static func markdownTable() -> String {
        var lines = ["| variable | default | roles | what it does |", "| --- | --- | --- | --- |"]
        for setting in all {
            let defaultText = setting.defaultDescription.contains("`") || setting.defaultDescription.hasPrefix("(")
                ? setting.defaultDescription : "`\(setting.defaultDescription)`"
            lines.append("| `\(setting.environmentVariable)` | \(defaultText) | \(setting.roles) | \(setting.summary) |")
        }
        return lines.joined(separator: "\n")
    }
}
