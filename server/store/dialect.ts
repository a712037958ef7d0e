/** The two stores Vigil runs on. */
export type Dialect = 'sqlite' | 'postgres'
