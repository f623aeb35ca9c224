/** Library entry point: build records with `envelope`, connect with `connection`, send with any Kafka client. */
export * from './connection.js'
export * from './envelope.js'
