export { Netns, netnsOf, type PernetOps } from './netns';
