/** gpen-video's version, as in package.json (job files record which version planned them). */
export const VERSION = '0.1.0';
