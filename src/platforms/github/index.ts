export { GitHubPlatform, FIXED_MARKER, htmlUrlFromApi, statusOf, reasonOf, type OctokitLike, type GitHubPlatformOptions } from './github-platform.js';
