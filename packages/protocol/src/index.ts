export * from './errors';
export * from './sign-request';
export * from './ea-schemas';
export * from './order-tag';
export * from './validate-ea-body';
export * from './framework-errors';
