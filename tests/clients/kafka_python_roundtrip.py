"""Produces N messages with kafka-python (python3-kafka), then group-consumes and commits them.

usage: /usr/bin/python3 kafka_python_roundtrip.py <bootstrap> <topic> <group> <count>
Prints "consumed <n>" and the committed offsets; exits non-zero if not every message arrived.
"""
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def main():
    bootstrap, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks='all', linger_ms=5)
    for i in range(count):
        producer.send(topic, key=b'k%d' % i, value=b'v%d' % i)
    producer.flush(timeout=20)
    producer.close()

    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset='earliest',
                             enable_auto_commit=False, consumer_timeout_ms=15000)
    seen = set()
    for message in consumer:
        seen.add(message.value)
        if len(seen) >= count:
            break
    consumer.commit()
    partitions = consumer.partitions_for_topic(topic) or set()
    committed = sum((consumer.committed(TopicPartition(topic, p)) or 0) for p in partitions)
    consumer.close()
    print('consumed %d committed %d' % (len(seen), committed))
    sys.exit(0 if len(seen) == count else 1)


if __name__ == '__main__':
    main()
