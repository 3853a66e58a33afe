#ifndef RAGLINE_CKAFKA_SHIM_H
#define RAGLINE_CKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

/// `rd_kafka_producev` is variadic and Swift cannot call it; this fixed-arity wrapper can.
/// On success librdkafka takes ownership of `headers` (which may be NULL); on failure the caller keeps it.
static inline rd_kafka_resp_err_t ragline_produce(rd_kafka_t *rk,
                                                  const char *topic,
                                                  const void *key, size_t key_len,
                                                  const void *value, size_t value_len,
                                                  rd_kafka_headers_t *headers,
                                                  void *opaque) {
    if (headers != NULL) {
        return rd_kafka_producev(rk,
                                 RD_KAFKA_V_TOPIC(topic),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_KEY(key, key_len),
                                 RD_KAFKA_V_VALUE((void *)value, value_len),
                                 RD_KAFKA_V_HEADERS(headers),
                                 RD_KAFKA_V_OPAQUE(opaque),
                                 RD_KAFKA_V_END);
    }
    return rd_kafka_producev(rk,
                             RD_KAFKA_V_TOPIC(topic),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_KEY(key, key_len),
                             RD_KAFKA_V_VALUE((void *)value, value_len),
                             RD_KAFKA_V_OPAQUE(opaque),
                             RD_KAFKA_V_END);
}

/// Set in a record's opaque (the delivery id) to ask `ragline_partitioner` for a batching partition.
#define RAGLINE_BATCHED_PARTITION_FLAG ((uintptr_t)1 << (sizeof(uintptr_t) * 8 - 1))

static inline uintptr_t ragline_batched_partition_flag(void) { return RAGLINE_BATCHED_PARTITION_FLAG; }

/// The producer's partitioner. A record flagged "batched" goes to one available partition per coarse
/// clock tick (1-4 ms), whatever its key, so that the records of a tick share one ProduceRequest and one
/// delivery report instead of one per partition; every other record is placed by its key exactly as
/// librdkafka's default (`consistent_random`) places it.
static inline int32_t ragline_partitioner(const rd_kafka_topic_t *rkt, const void *key, size_t key_len,
                                          int32_t partition_count, void *topic_opaque, void *message_opaque) {
    if (((uintptr_t)message_opaque & RAGLINE_BATCHED_PARTITION_FLAG) && partition_count > 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
        uint64_t tick = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u + (uint64_t)getpid();
        int32_t first = (int32_t)(tick % (uint64_t)partition_count);
        for (int32_t step = 0; step < partition_count; step++) {
            int32_t partition = (first + step) % partition_count;
            if (rd_kafka_topic_partition_available(rkt, partition)) return partition;
        }
    }
    return rd_kafka_msg_partitioner_consistent_random(rkt, key, key_len, partition_count, topic_opaque, message_opaque);
}

/// Installs `ragline_partitioner` on the configuration's default topic configuration, keeping the
/// topic-level properties already set there (acks, message.timeout.ms).
static inline void ragline_install_partitioner(rd_kafka_conf_t *conf) {
    rd_kafka_topic_conf_t *topic_conf = (rd_kafka_topic_conf_t *)rd_kafka_conf_get_default_topic_conf(conf);
    if (topic_conf == NULL) {
        topic_conf = rd_kafka_topic_conf_new();
        rd_kafka_topic_conf_set_partitioner_cb(topic_conf, ragline_partitioner);
        rd_kafka_conf_set_default_topic_conf(conf, topic_conf);
        return;
    }
    rd_kafka_topic_conf_set_partitioner_cb(topic_conf, ragline_partitioner);
}

/// `RD_KAFKA_PARTITION_UA` is a cast macro Swift does not import.
static inline int32_t ragline_partition_unassigned(void) { return RD_KAFKA_PARTITION_UA; }

#endif
