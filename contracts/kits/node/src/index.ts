/** Library entry point: build records with `envelope`, connect with `connection`, name your topics with `system`. */
export * from './connection.js'
export * from './envelope.js'
export * from './system.js'
