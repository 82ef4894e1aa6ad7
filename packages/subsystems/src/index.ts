/**
 * @rtnlkit/subsystems — rtnlkit subsystems: network namespaces, links and link kinds, af ops,
 * devinet (IPv4 addresses) and the IPv4 FIB.
 *
 * The pieces land issue by issue; see this package's README for what is here today.
 */
export * from './devinet/index';
export * from './fib/index';
export * from './link/index';
export * from './netns/index';
